/** Facts about AWS billing data that the code relies on, named once. */

/** Billing metrics and the Budgets API live only in this region, whatever the function's. */
export const BILLING_REGION = 'us-east-1';

export const BILLING_NAMESPACE = 'AWS/Billing';
export const ESTIMATED_CHARGES_METRIC = 'EstimatedCharges';

/** `DescribeBudgets` accepts at most this many budgets a page. */
export const BUDGETS_PAGE_SIZE = 1000;

/** `GetMetricData` accepts at most this many queries a call. */
export const METRIC_DATA_QUERIES_PER_CALL = 500;

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
