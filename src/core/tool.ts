import pkg from '../../package.json' with { type: 'json' };

export const TOOL = {
  name: 'nsl-lint',
  version: pkg.version,
  informationUri: pkg.homepage,
} as const;
