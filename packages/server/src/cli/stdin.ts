/** Reads stdin to its end (one trailing newline dropped): secrets and keys come this way, never argv, so they stay out of shell history and `ps`. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
