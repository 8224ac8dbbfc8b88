import { Test } from '@nestjs/testing';
import { PROVIDER_KINDS } from '../completion';
import { ALL_ADAPTERS, HTTP_TRANSPORT, type HttpTransport } from './index';

describe('adapters module surface', () => {
  it('has one adapter per network kind, each built by Nest with the injected transport', async () => {
    const transport: HttpTransport = { request: () => Promise.reject(new Error('not used')) };
    const moduleRef = await Test.createTestingModule({
      providers: [...ALL_ADAPTERS, { provide: HTTP_TRANSPORT, useValue: transport }],
    }).compile();
    const kinds = ALL_ADAPTERS.map((adapterClass) => {
      const adapter = moduleRef.get(adapterClass);
      expect((adapter as unknown as { transport: HttpTransport }).transport).toBe(transport);
      return adapter.kind;
    });
    expect(kinds.sort()).toEqual(PROVIDER_KINDS.filter((kind) => kind !== 'mock').sort());
  });
});
