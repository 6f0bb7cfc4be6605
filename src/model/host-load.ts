import type { Model } from './model.js';
import { emptyHostModel, type HostModel } from './firewall.js';

/** Parse the host firewall files of the model into rulesets (parse errors go to `model.parseErrors`). */
export function loadHost(_model: Model): HostModel {
  return emptyHostModel();
}
