import type { EgressAllowances } from './egress-allowances';
import { EgressError } from './egress.types';
import { assertUrlAllowedStatically, checkUrl } from './url-policy';

const none: EgressAllowances = { allowCidrs: [], allowHosts: [], allowHttp: false };

describe('checkUrl / assertUrlAllowedStatically', () => {
  it.each([
    'https://api.openai.com/v1',
    'https://generativelanguage.googleapis.com/v1beta/models?key=abc',
    'https://8.8.8.8/',
    'https://[2606:4700:4700::1111]/',
    'https://EXAMPLE.com./path#frag',
  ])('accepts %s without any DNS', (url) => {
    expect(() => assertUrlAllowedStatically(url, none)).not.toThrow();
  });

  it('returns the WHATWG-parsed URL', () => {
    expect(checkUrl('https://API.Example.COM:8443/v1?x=1', none).host).toBe('api.example.com:8443');
  });

  it.each([
    ['http://api.openai.com/', 'only https:'],
    ['https://user@api.openai.com/', 'credentials'],
    ['https://localhost/', 'localhost'],
    ['https://metadata.google.internal/', 'GCP metadata'],
    ['https://0x7f.1/', '127.0.0.1 is not allowed'],
    ['https://[::ffff:a9fe:a9fe]/', 'metadata'],
    ['https://[fe80::1%25eth0]/', 'could not be parsed'],
    ['https://ollama/', 'single-label'],
  ])('refuses %s', (url, message) => {
    expect(() => checkUrl(url, none)).toThrow(EgressError);
    expect(() => checkUrl(url, none)).toThrow(message);
  });

  it('applies the operator allowances', () => {
    const ops: EgressAllowances = { allowCidrs: ['10.0.0.0/8'], allowHosts: ['Ollama.'], allowHttp: true };
    expect(checkUrl('http://10.1.2.3:11434/api', ops).hostname).toBe('10.1.2.3');
    expect(checkUrl('http://ollama:11434/api', ops).hostname).toBe('ollama');
    expect(checkUrl('http://OLLAMA.:11434/api', ops).hostname).toBe('ollama.');
    expect(() => checkUrl('http://169.254.169.254/', { ...ops, allowCidrs: ['0.0.0.0/0'] })).toThrow('metadata');
    expect(() => checkUrl('ftp://10.1.2.3/', ops)).toThrow('only https: and http:');
  });
});
