import { describe, expect, it } from 'vitest';
import { PagingError } from '../../lambda/errors';
import { awsListing, followPages, pageCap } from '../../lambda/paging';

/** A listing that answers these next-page tokens, one per page, then asks for what the guard gave. */
function listing(tokens: readonly (string | undefined)[]) {
  const asked: (string | undefined)[] = [];
  const fetchPage = (token: string | undefined): Promise<string | undefined> => {
    asked.push(token);
    return Promise.resolve(tokens[asked.length - 1]);
  };
  return { asked, fetchPage };
}

describe('pageCap', () => {
  it.each([
    [20_000, 1_000, 40],
    [100_000, 500, 400],
    [24_000, 100_800, 10],
    [0, 100, 10],
  ])('gives %i items in pages of %i a cap of %i pages', (items, pageSize, cap) => {
    expect(pageCap(items, pageSize)).toBe(cap);
  });
});

describe('followPages', () => {
  it('follows each token to the last page and says how many pages it read', async () => {
    const { asked, fetchPage } = listing(['a', 'b', undefined]);
    await expect(followPages(awsListing('ListMetrics', 10), fetchPage)).resolves.toBe(3);
    expect(asked).toEqual([undefined, 'a', 'b']);
  });

  it('takes an empty token as the last page, as the SDK loops did', async () => {
    const { fetchPage } = listing(['a', '']);
    await expect(followPages(awsListing('ListMetrics', 10), fetchPage)).resolves.toBe(2);
  });

  it('stops on a token it was given before, without asking for that page again', async () => {
    const { asked, fetchPage } = listing(['a', 'b', 'a', 'c']);
    const error = await followPages(awsListing('DescribeBudgets', 10), fetchPage).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(PagingError);
    expect((error as PagingError).problem).toBe(
      'AWS kept answering DescribeBudgets with a next-page token: stopped after 3 pages, as its last token had already been given.',
    );
    expect(asked).toEqual([undefined, 'a', 'b']);
  });

  it('stops at the cap: a listing of exactly the cap passes, one more page does not', async () => {
    const tokens = Array.from({ length: 40 }, (_, i) => `t${i}`);
    await expect(followPages(awsListing('DescribeBudgets', 41), listing([...tokens, undefined]).fetchPage)).resolves.toBe(41);
    const { asked, fetchPage } = listing(tokens);
    await expect(followPages(awsListing('DescribeBudgets', 40), fetchPage)).rejects.toThrow(
      'AWS kept answering DescribeBudgets with a next-page token: stopped after 40 pages, the most a correct listing can take.',
    );
    expect(asked).toHaveLength(40);
  });
});
