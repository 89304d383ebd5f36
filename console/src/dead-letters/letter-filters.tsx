import type { LetterFilter } from './letters.js';

interface Props {
  filter: LetterFilter;
  projections: readonly string[];
  eventTypes: readonly string[];
  onChange(filter: LetterFilter): void;
}

export function LetterFilters({ filter, projections, eventTypes, onChange }: Props) {
  return (
    <div class="toolbar" role="search">
      <label for="letter-projection">Projection</label>
      <select
        id="letter-projection"
        value={filter.projection}
        onChange={(event) => onChange({ ...filter, projection: event.currentTarget.value })}
      >
        <option value="">all</option>
        {projections.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
      <label for="letter-event-type">Event type</label>
      <select
        id="letter-event-type"
        value={filter.eventType}
        onChange={(event) => onChange({ ...filter, eventType: event.currentTarget.value })}
      >
        <option value="">all</option>
        {eventTypes.map((eventType) => (
          <option key={eventType} value={eventType}>
            {eventType}
          </option>
        ))}
      </select>
      <label for="letter-error">Error contains</label>
      <input
        id="letter-error"
        type="search"
        value={filter.error}
        onInput={(event) => onChange({ ...filter, error: event.currentTarget.value })}
      />
    </div>
  );
}
