import { createServer, type IncomingMessage } from 'node:http'
import { connect } from 'node:net'
import { describe, expect, it } from 'vitest'
import { readBody } from '../../src/http/body.js'
import { onCleanup } from '../helpers.js'

describe('readBody', () => {
  it('refuses at once a body whose client left before it was read (no end or close will come)', async () => {
    let arrived!: (req: IncomingMessage) => void
    const request = new Promise<IncomingMessage>((resolve) => (arrived = resolve))
    const server = createServer((req) => arrived(req))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const { port } = server.address() as { port: number }
    const socket = connect(port, '127.0.0.1')
    socket.write(
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{',
    )
    // The request is being handled (its credentials checked, say) when the client goes away.
    const req = await request
    const gone = new Promise((resolve) => req.once('close', resolve))
    socket.destroy()
    await gone
    await expect(readBody(req, 1000)).rejects.toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(/connection closed before the request body was complete/),
    })
  })
})
