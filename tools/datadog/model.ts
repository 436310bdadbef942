/**
 * The parts of Datadog's v1 Dashboard and Monitor API models this project writes. Field names
 * are Datadog's (snake_case) because these objects are sent as they are; the tests validate
 * them against the OpenAPI description, so these types only need to be as wide as we use them.
 */

export type WidgetAggregator = 'avg' | 'last' | 'max' | 'min' | 'sum';
export type WidgetLiveSpan = '1h' | '4h' | '1d' | '2d' | '1w' | '1mo';
export type WidgetComparator = '=' | '>' | '>=' | '<' | '<=';
export type WidgetPalette = 'white_on_green' | 'white_on_yellow' | 'white_on_red' | 'green' | 'red';

/** `FormulaAndFunctionMetricQueryDefinition` */
export interface MetricQueryDefinition {
  readonly data_source: 'metrics';
  readonly name: string;
  readonly query: string;
  readonly aggregator?: WidgetAggregator;
}

/** `WidgetConditionalFormat` */
export interface ConditionalFormat {
  readonly comparator: WidgetComparator;
  readonly value: number;
  readonly palette: WidgetPalette;
}

/** `WidgetFormula` */
export interface WidgetFormula {
  readonly formula: string;
  readonly alias?: string;
  readonly limit?: { readonly count: number; readonly order: 'asc' | 'desc' };
  readonly conditional_formats?: readonly ConditionalFormat[];
}

/** The formulas-and-functions request shared by the widgets below. */
export interface FormulaRequest {
  readonly response_format: 'timeseries' | 'scalar';
  readonly queries: readonly MetricQueryDefinition[];
  readonly formulas: readonly WidgetFormula[];
  readonly display_type?: 'area' | 'bars' | 'line';
  readonly conditional_formats?: readonly ConditionalFormat[];
}

interface TitledDefinition {
  readonly title: string;
  readonly time?: { readonly live_span: WidgetLiveSpan };
}

export interface QueryValueDefinition extends TitledDefinition {
  readonly type: 'query_value';
  readonly requests: readonly [FormulaRequest];
  readonly precision?: number;
  readonly autoscale?: boolean;
  readonly custom_unit?: string;
}

export interface TimeseriesDefinition extends TitledDefinition {
  readonly type: 'timeseries';
  readonly requests: readonly FormulaRequest[];
  readonly show_legend?: boolean;
  readonly legend_layout?: 'auto' | 'horizontal' | 'vertical';
  readonly markers?: readonly { readonly value: string; readonly display_type?: string; readonly label?: string }[];
  readonly yaxis?: { readonly include_zero?: boolean; readonly min?: string };
}

export interface ToplistDefinition extends TitledDefinition {
  readonly type: 'toplist';
  readonly requests: readonly FormulaRequest[];
}

export interface TableDefinition extends TitledDefinition {
  readonly type: 'query_table';
  readonly requests: readonly FormulaRequest[];
  readonly has_search_bar?: 'always' | 'never' | 'auto';
}

export interface GroupDefinition {
  readonly type: 'group';
  readonly title: string;
  readonly layout_type: 'ordered';
  readonly show_title?: boolean;
  readonly widgets: readonly Widget[];
}

export type WidgetDefinition =
  | QueryValueDefinition
  | TimeseriesDefinition
  | ToplistDefinition
  | TableDefinition
  | GroupDefinition;

export interface Widget {
  readonly definition: WidgetDefinition;
}

/** `DashboardTemplateVariable` */
export interface TemplateVariableDefinition {
  readonly name: string;
  readonly prefix: string;
  readonly available_values: readonly string[];
  readonly defaults: readonly string[];
}

/** The body of `POST /api/v1/dashboard` and `PUT /api/v1/dashboard/{id}`. */
export interface DatadogDashboard {
  readonly title: string;
  readonly description: string;
  readonly layout_type: 'ordered';
  readonly reflow_type: 'auto';
  readonly template_variables: readonly TemplateVariableDefinition[];
  readonly widgets: readonly Widget[];
}

/** `MonitorOptions`, the fields we set. */
export interface DatadogMonitorOptions {
  readonly thresholds: { readonly critical: number };
  readonly notify_no_data: boolean;
  readonly no_data_timeframe?: number;
  readonly require_full_window: boolean;
  readonly include_tags: boolean;
  readonly notify_audit: boolean;
}

/** The body of `POST /api/v1/monitor` and `PUT /api/v1/monitor/{id}`. */
export interface DatadogMonitor {
  readonly name: string;
  readonly type: 'query alert';
  readonly query: string;
  readonly message: string;
  readonly tags: readonly string[];
  readonly priority: number;
  readonly options: DatadogMonitorOptions;
}
