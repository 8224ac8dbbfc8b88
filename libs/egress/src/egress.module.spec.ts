import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfigModule } from '@conduit/config';
import { EgressClient } from './egress.client';
import { EgressModule } from './egress.module';
import { FakeResolver } from './local-servers.test-helper';
import { Resolver } from './resolver';

describe('EgressModule', () => {
  const boot = async (env: Record<string, string>) => {
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot({ NODE_ENV: 'development', ...env }), EgressModule],
    })
      .overrideProvider(Resolver)
      .useValue(new FakeResolver({}))
      .compile();
    return moduleRef.init();
  };

  it('provides one EgressClient and logs the allowances once at start-up', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const app = await boot({ EGRESS_ALLOW_CIDRS: '10.0.0.0/8, fd00::/8', EGRESS_ALLOW_HTTP: 'true' });
    expect(app.get(EgressClient)).toBeInstanceOf(EgressClient);
    expect(warn.mock.calls.map(([line]) => line)).toEqual([
      'egress: allowing plain http: (EGRESS_ALLOW_HTTP)',
      'egress: allowing CIDRs 10.0.0.0/8, fd00::/8 (EGRESS_ALLOW_CIDRS)',
    ]);
    // The injected resolver and the configured allowances are the ones in use.
    await expect(app.get(EgressClient).request({ url: 'http://10.0.0.1.test/', method: 'GET' })).rejects.toMatchObject({
      failure: 'network',
      message: 'could not resolve 10.0.0.1.test (ENOTFOUND)',
    });
    await app.close();
    warn.mockRestore();
  });

  it('logs nothing and allows nothing by default', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const app = await boot({});
    expect(warn).not.toHaveBeenCalled();
    await expect(app.get(EgressClient).request({ url: 'http://example.com/', method: 'GET' })).rejects.toMatchObject({
      failure: 'egress_blocked',
    });
    await app.close();
    warn.mockRestore();
  });
});
