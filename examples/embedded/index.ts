// A blog that keeps its comments and Rio's outbox in one SQLite file. Publishing a comment and
// announcing it happen in one transaction: if the insert fails, no event exists; if it commits,
// the event is delivered — to a webhook and to an in-process function (a word counter).
import { pathToFileURL } from 'node:url'
import { Rio, UnrecoverableError } from '@rio/core'
import Database from 'better-sqlite3'

export interface Blog {
  readonly rio: Rio
  /** Inserts a comment and emits comment-published in the same transaction. */
  publish(author: string, content: string): { commentId: number; eventId: string }
  /** Words counted by the in-process handler, per author. */
  readonly words: Map<string, number>
  close(): Promise<void>
}

/** Opens the blog on `database` and starts Rio on the same connection. */
export async function main(options: { database: string; webhookUrl?: string }): Promise<Blog> {
  const db = new Database(options.database)
  db.exec(`CREATE TABLE IF NOT EXISTS comments (
    id INTEGER PRIMARY KEY, author TEXT NOT NULL, content TEXT NOT NULL CHECK (length(content) > 0))`)
  const rio = new Rio({ database: db })
  if (options.webhookUrl) await rio.webhook('comment-published', { url: options.webhookUrl, name: 'notify' })
  const words = new Map<string, number>()
  rio.on('comment-published', 'word-counter', (event) => {
    const { author, content } = event.payload as { author?: string; content?: string }
    if (!author || !content) throw new UnrecoverableError('a comment needs an author and content')
    words.set(author, (words.get(author) ?? 0) + content.split(/\s+/).length)
  })
  await rio.start()

  const insert = db.prepare('INSERT INTO comments (author, content) VALUES (?, ?)')
  const publish = db.transaction((author: string, content: string) => {
    const commentId = Number(insert.run(author, content).lastInsertRowid)
    const { id } = rio.emitSync('comment-published', { commentId, author, content })
    return { commentId, eventId: id }
  })
  return {
    rio,
    publish: (author, content) => publish(author, content),
    words,
    async close() {
      await rio.stop()
      db.close()
    },
  }
}

// Run directly (`pnpm start`), not imported by the test.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const blog = await main({ database: process.env.BLOG_DB ?? './blog.db' })
  console.log(blog.publish('ada', 'Hello from the transactional outbox'))
  setTimeout(async () => {
    console.log('words per author:', Object.fromEntries(blog.words))
    await blog.close()
  }, 500)
}
