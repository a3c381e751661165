/** This package's version, sent as `user-agent: Rio/<version>`. */
export const VERSION = '0.1.0'
