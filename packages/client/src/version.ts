/** This package's version, sent as `User-Agent: rio-client/<version>`. */
export const VERSION = '0.1.0'
