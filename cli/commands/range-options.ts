// The slice-of-history options `history export` and `replay` share; EventsQuery (query-service) validates them.
export const rangeOptions = {
  type: { type: 'string', multiple: true },
  stream: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  after: { type: 'string' },
  limit: { type: 'string' },
} as const;
