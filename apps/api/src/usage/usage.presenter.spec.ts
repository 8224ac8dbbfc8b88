import { usageCsv } from './usage.presenter';

const usage = {
  calls: 2,
  failed_calls: 1,
  input_tokens: 10,
  output_tokens: 5,
  cached_tokens: 0,
  cache_write_tokens: 3,
  cache_write_1h_tokens: 1,
  reasoning_tokens: 0,
  cost: 0.00012,
  provider_cost: null,
};

describe('usageCsv', () => {
  it('writes a header and one escaped row per group; a formula-like key is neutralised', () => {
    const csv = usageCsv(
      {
        data: [
          { key: 'a "quoted", name', ...usage },
          { key: '=HYPERLINK("x")', ...usage },
          { key: null, ...usage },
        ],
        totals: usage,
      },
      'user',
    );
    expect(csv.split('\r\n')).toEqual([
      'user,calls,failed_calls,input_tokens,output_tokens,cached_tokens,cache_write_tokens,cache_write_1h_tokens,reasoning_tokens,cost,provider_cost',
      '"a ""quoted"", name",2,1,10,5,0,3,1,0,0.00012,',
      `"'=HYPERLINK(""x"")",2,1,10,5,0,3,1,0,0.00012,`,
      ',2,1,10,5,0,3,1,0,0.00012,',
      '',
    ]);
  });
});
