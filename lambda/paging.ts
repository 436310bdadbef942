/**
 * The one guard of every paged listing, AWS's and Datadog's: a service that keeps answering
 * with a next page (a token it gave before, or pages without end) would otherwise be called,
 * and for GetMetricData paid, until the function times out, with memory rising all the while.
 */
import { PagingError } from './errors';

export interface PageLimit {
  /** Who answers, for the message: `AWS`, `Datadog`. */
  readonly service: string;
  /** The operation, for the message: `DescribeBudgets`. */
  readonly operation: string;
  /** The most pages a correct listing can take: see {@link pageCap}. */
  readonly maxPages: number;
  /** What to do when the guard stops the listing. */
  readonly fix: string;
}

/**
 * The page cap of a listing of at most `items` in pages of `pageSize`: twice the pages the
 * limits need, and at least 10, so a service that fills its pages short still finishes.
 */
export function pageCap(items: number, pageSize: number): number {
  return Math.max(10, 2 * Math.ceil(items / pageSize));
}

/** The limit of an AWS listing: the same fix for each, since the listing's source is at fault. */
export function awsListing(operation: string, maxPages: number): PageLimit {
  return {
    service: 'AWS',
    operation,
    maxPages,
    fix:
      "This source's metrics are left out of this run, the other sources' are sent. If it happens again, check what " +
      "answers in AWS's place (AWS_ENDPOINT_URL, a proxy), or ask AWS support.",
  };
}

/**
 * Follows a listing page by page: `fetchPage` is given no token, then each token it returned,
 * and returns the next page's token, or nothing after the last page.
 * @returns the number of pages read.
 * @throws PagingError on a token returned twice, or when the listing would pass `maxPages`.
 */
export async function followPages(
  limit: PageLimit,
  fetchPage: (token: string | undefined) => Promise<string | undefined>,
): Promise<number> {
  const seen = new Set<string>();
  for (let pages = 1, token: string | undefined; ; pages += 1) {
    token = await fetchPage(token);
    if (!token) return pages;
    if (seen.has(token)) {
      throw new PagingError(limit.service, limit.operation, pages, 'as its last token had already been given', limit.fix);
    }
    if (pages >= limit.maxPages) {
      throw new PagingError(limit.service, limit.operation, pages, 'the most a correct listing can take', limit.fix);
    }
    seen.add(token);
  }
}
