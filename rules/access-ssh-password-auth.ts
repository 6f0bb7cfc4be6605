import { defineRule } from '../src/rule/rule.js';

const RISKY: Record<string, string> = {
  passwordauthentication: 'password logins are open to brute force and credential stuffing',
  permitrootlogin: 'root can log in directly, with a password if passwords are allowed',
  kbdinteractiveauthentication: 'keyboard-interactive authentication usually ends up asking for a password',
  challengeresponseauthentication: 'challenge-response (the old name of keyboard-interactive) usually ends up asking for a password',
};

const NAMES: Record<string, string> = {
  passwordauthentication: 'PasswordAuthentication',
  permitrootlogin: 'PermitRootLogin',
  kbdinteractiveauthentication: 'KbdInteractiveAuthentication',
  challengeresponseauthentication: 'ChallengeResponseAuthentication',
};

export default defineRule({
  id: 'access-ssh-password-auth',
  title: 'sshd allows password or root login',
  severity: 'medium',
  rationale:
    'Bastions and nodes should accept SSH keys or certificates only. Passwords can be guessed, phished and reused, and a direct root login leaves no trace of who used it. sshd takes the first value it reads for a keyword, so only the directive in effect is reported.',
  remediation:
    'Set `PasswordAuthentication no`, `KbdInteractiveAuthentication no` and `PermitRootLogin no` (or `prohibit-password`), and log in with keys or SSH certificates.',
  precision: 'high',
  tags: ['ssh', 'bastion'],
  *check({ model: { access } }) {
    for (const d of access.sshd) {
      const why = RISKY[d.key];
      if (!why || d.value.toLowerCase() !== 'yes') continue;
      yield { at: d.at, message: `\`${NAMES[d.key]} yes\`${d.section ? ` (in \`Match ${d.section}\`)` : ''}: ${why}.` };
    }
  },
});
