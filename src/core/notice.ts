/** Something the run wants the user to know that is not a finding (skipped files, partial reads). */
export interface Notice {
  level: 'note' | 'warning' | 'error';
  message: string;
  file?: string;
  line?: number;
  /** nsl-lint itself failed on this file or rule: the run is incomplete. */
  internal?: true;
}
