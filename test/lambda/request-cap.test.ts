import { describe, expect, it } from 'vitest';
import { RequestCapError } from '../../lambda/errors';
import { RequestCap } from '../../lambda/request-cap';

describe('RequestCap', () => {
  it('gives exactly max requests, then refuses every further one with the setting that raises it', () => {
    const cap = new RequestCap('Cost Explorer', 3, 'costExplorerMaxRequests');
    for (let i = 0; i < 3; i += 1) cap.take();
    expect(cap.used).toBe(3);
    expect(() => cap.take()).toThrow(RequestCapError);
    expect(() => cap.take()).toThrow(/made the 3 Cost Explorer requests it may make.*COST_EXPLORER_MAX_REQUESTS/);
    expect(cap.used).toBe(3);
  });
});
