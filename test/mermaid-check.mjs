// Parses Mermaid diagrams with mermaid's own parser (ESM-only, so Jest runs it in a child process).
// stdin: JSON [{ name, text }]; stdout: JSON [{ name, ok, diagramType, error }].
import DOMPurify from 'dompurify';

// Outside a browser DOMPurify has no DOM and exposes no hooks; parsing only needs sanitize to be callable.
if (typeof DOMPurify.addHook !== 'function') {
  Object.assign(DOMPurify, { addHook() {}, removeHook() {}, removeHooks() {}, removeAllHooks() {}, sanitize: (s) => String(s) });
}
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

let input = '';
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const { name, text } of JSON.parse(input)) {
  try {
    const parsed = await mermaid.parse(text);
    results.push({ name, ok: true, diagramType: parsed.diagramType });
  } catch (error) {
    results.push({ name, ok: false, error: String(error?.message ?? error) });
  }
}
process.stdout.write(JSON.stringify(results));
