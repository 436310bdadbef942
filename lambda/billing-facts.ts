/** Facts about AWS billing data that the code relies on, named once. */

/** Billing metrics and the Budgets API live only in this region, whatever the function's. */
export const BILLING_REGION = 'us-east-1';

export const BILLING_NAMESPACE = 'AWS/Billing';
export const ESTIMATED_CHARGES_METRIC = 'EstimatedCharges';

/** `DescribeBudgets` accepts at most this many budgets a page. */
export const BUDGETS_PAGE_SIZE = 1000;

/** AWS Budgets' quota: at most this many budgets in one account. */
export const BUDGETS_PER_ACCOUNT = 20_000;

/** `ListMetrics` answers at most this many metrics a page. */
export const LIST_METRICS_PAGE_SIZE = 500;

/**
 * The most `EstimatedCharges` series a run is built for (one per service, per linked account,
 * per linked account and service): more than the function's memory turns into Datadog series
 * in one run (8,000 take about 120 MiB, docs/performance.md).
 */
export const MAX_BILLING_SERIES = 100_000;

/** `GetMetricData` accepts at most this many queries a call. */
export const METRIC_DATA_QUERIES_PER_CALL = 500;

/** `GetMetricData` answers at most this many data points a page (its `MaxDatapoints` default). */
export const METRIC_DATA_POINTS_PER_PAGE = 100_800;

/**
 * How far back to look for the newest billing point. AWS publishes `EstimatedCharges` a few
 * times a day and sometimes late; shorter windows return nothing. The price is per metric
 * requested, not per hour of window, so a generous window costs nothing extra.
 */
export const BILLING_LOOKBACK_HOURS = 48;

/**
 * One-hour buckets aligned on the hour: a bucket never spans two months, so the `Maximum` of a
 * bucket can never mix last month's total into this month's month-to-date figure.
 */
export const BILLING_PERIOD_SECONDS = 3600;

/** `organizations:ListAccounts` answers at most this many accounts a page (`MaxResults` 1 to 20). */
export const LIST_ACCOUNTS_PAGE_SIZE = 20;

/**
 * The largest organization the collector is built for (issue 13: 10,000 accounts; AWS
 * Organizations' account quota is raised on request, with no documented ceiling). The
 * `ListAccounts` page cap is derived from it, so an organization twice this size still lists.
 */
export const MAX_ORGANIZATION_ACCOUNTS = 10_000;

/** AWS Organizations' quota: at most this many tags on one account. */
export const TAGS_PER_ACCOUNT = 50;

/**
 * The longest session a role assumed from another role's session may ask for: role chaining
 * (a Lambda's credentials are already a role session) caps it at one hour, whatever the role's
 * `MaxSessionDuration`.
 */
export const CHAINED_SESSION_SECONDS = 3600;
