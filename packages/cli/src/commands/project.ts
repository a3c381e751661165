import type { Project } from '@rio/core'
import type { Command } from 'commander'
import { type CommonOptions, common, print, withRio } from '../context.js'

const columns = [
  { header: 'name', value: (p: Project) => p.name },
  { header: 'created', value: (p: Project) => p.createdAt },
]

/** `rio project create <name>` and `rio project list`. */
export function addProject(program: Command): void {
  const project = program.command('project').description('create and list projects')
  common(project.command('create').argument('<name>').description('create a project')).action(
    (name: string, options: CommonOptions) =>
      withRio(options, async (rio) => print(options, await rio.createProject(name), columns), {
        create: true,
      }),
  )
  common(project.command('list').description('list projects')).action((options: CommonOptions) =>
    withRio(options, async (rio) => print(options, await rio.listProjects(), columns)),
  )
}
