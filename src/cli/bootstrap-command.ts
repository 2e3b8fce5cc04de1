// Placeholder until the bootstrap issue lands: the command exists but refuses to run.
export async function runBootstrapCommand(_argv: string[]): Promise<number> {
  process.stderr.write('acme-delegate bootstrap: not available in this build\n');
  return 2;
}
