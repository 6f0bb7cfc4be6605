import { describe, expect, it } from 'vitest';
import { holdsPrivateKey, isCredentialKey, isPlaceholder, urlPassword } from '../../src/analysis/secrets.js';

// Expectations from the catalogue's shared definitions ("Credential-looking key", "reference, not a secret").
describe('credential-looking ConfigMap keys', () => {
  it.each([
    'password',
    'DB_PASSWORD',
    'db.password',
    'redisPassword',
    'passwd',
    'client-secret',
    'JWT_SECRET',
    'token',
    'GITHUB_TOKEN',
    'credentials',
    'STRIPE_API_KEY',
    'apiKey',
    'apikey',
    'private_key',
    'sshPrivateKey',
    'userPassword',
    'user_token',
  ])('%s is a credential', (key) => expect(isCredentialKey(key)).toBe(true));

  it.each([
    'PASSWORD_MIN_LENGTH',
    'TOKEN_ENDPOINT',
    'DB_PASSWORD_FILE',
    'secret_name',
    'token_ttl',
    'password_file',
    'passwordPolicy',
    'api_key_header',
    'use_token',
    'enableSecret',
    'username',
    'public_key',
  ])('%s is not', (key) => expect(isCredentialKey(key)).toBe(false));
});

describe('references and placeholders are not secrets', () => {
  it.each([
    '',
    '${DB_PASSWORD}',
    '$(API_TOKEN)',
    '{{ .Values.password }}',
    '/etc/secrets/password',
    'changeme',
    '<password>',
    'REPLACE_ME',
    'xxxxxxxx',
    'example-token',
    'vault:secret/data/shop#password',
    'ref+vault://secret/shop#token',
    'ref+awssecrets://shop/db#password',
    'secretKeyRef:db-creds/password',
  ])('%j is a reference', (value) => expect(isPlaceholder(value)).toBe(true));

  it.each(['hunter2-and-more', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'vaultpass', 'refresh-me-2024'])('%j is a value', (value) =>
    expect(isPlaceholder(value)).toBe(false),
  );
});

describe('credentials inside values', () => {
  it('finds the password of a URL, not a placeholder or an absent one', () => {
    expect(urlPassword('redis://:s3cretpass@cache.example.com:6379')).toBe('s3cretpass');
    expect(urlPassword('postgres://user:pw@db.example.com/db')).toBe('pw');
    expect(urlPassword('broker.url=amqp://shop:Rabbit-2024@mq.example.com:5672\nother=1')).toBe('Rabbit-2024');
    expect(urlPassword('postgres://user:${DB_PASS}@db.example.com/db')).toBeUndefined();
    expect(urlPassword('postgres://user:<password>@db.example.com/db')).toBeUndefined();
    expect(urlPassword('postgres://user@db.example.com:5432/db')).toBeUndefined();
    expect(urlPassword('https://example.com:8443/path')).toBeUndefined();
  });

  it('finds a PEM private key, not a certificate or a placeholder body', () => {
    expect(holdsPrivateKey('-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIexample\n-----END EC PRIVATE KEY-----\n')).toBe(true);
    expect(holdsPrivateKey('-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEexample\n-----END OPENSSH PRIVATE KEY-----')).toBe(
      true,
    );
    expect(holdsPrivateKey('-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----')).toBe(false);
    expect(holdsPrivateKey('-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----')).toBe(false);
  });
});
