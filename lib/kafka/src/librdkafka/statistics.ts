// The part of librdkafka's statistics JSON (STATISTICS.md) the metrics read. Times are in
// microseconds, counters are totals since the instance started.

/** A rolling window librdkafka keeps per broker (rtt, int_latency, …). */
export interface StatisticsWindow {
  avg: number;
  p99: number;
  cnt: number;
}

export interface BrokerStatistics {
  /** "host:port/nodeid", or "…/bootstrap" before the cluster's metadata is known. */
  name: string;
  nodeid: number;
  /** "UP" when connected; INIT, DOWN, CONNECT, AUTH, APIVERSION_QUERY, … otherwise. */
  state: string;
  /** Requests waiting to be sent, and sent awaiting their response. */
  outbuf_msg_cnt: number;
  waitresp_msg_cnt: number;
  tx: number;
  txerrs: number;
  txretries: number;
  req_timeouts: number;
  /** Round trip of a request. */
  rtt: StatisticsWindow;
  /** Time a message spent in librdkafka's queues before its request was sent. */
  int_latency: StatisticsWindow;
}

export interface LibrdkafkaStatistics {
  /** The instance name, e.g. "adder#producer-1". */
  name: string;
  client_id: string;
  type: "producer" | "consumer";
  /** Messages and bytes waiting in the producer's queues (not yet acknowledged). */
  msg_cnt: number;
  msg_size: number;
  msg_max: number;
  msg_size_max: number;
  /** Messages and message bytes sent to brokers. */
  txmsgs: number;
  txmsg_bytes: number;
  brokers: Record<string, BrokerStatistics>;
}
