import path from 'node:path';

/** Go-template actions that only Helm charts use (Prometheus or Alertmanager templates in ConfigMaps do not). */
const HELM_ACTION =
  /\{\{-?\s*(\.Values|\.Release|\.Chart|\.Capabilities|\.Files|include\s|template\s|if\s|end\s*-?\}\}|range\s|with\s|define\s|toYaml\s|\$\.Values)/;

/** A file inside a chart's `templates/` folder, or one using Helm's own template actions. */
export function isHelmTemplate(relPath: string, text: string): boolean {
  if (!text.includes('{{')) return false;
  const parts = relPath.split('/');
  if (parts.slice(0, -1).includes('templates') && path.posix.extname(relPath) !== '.json') return true;
  return HELM_ACTION.test(text);
}
