import { renderCrdFiles } from './crd.ts';
import { renderApiReference } from './reference.ts';

/** Renders every file generated from the schemas, with its path relative to the repository root. */
export function generatedFiles(): { path: string; content: string }[] {
  const crds = renderCrdFiles().map((file) => ({ path: `crds/${file.fileName}`, content: file.content }));
  return [...crds, { path: 'docs/api.md', content: renderApiReference() }];
}
