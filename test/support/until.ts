/** The polling wait of memberlist-ts's test harness, so there is one copy of it. */
export { until } from 'memberlist-ts/testing';
