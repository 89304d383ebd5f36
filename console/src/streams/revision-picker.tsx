import { useState } from 'preact/hooks';

interface Props {
  revision: number;
  latest: number;
  /** The revision to compare with; undefined: the previous one. */
  compareTo: number | undefined;
  onRevision(revision: number): void;
  /** An ISO 8601 time. */
  onTime(at: string): void;
  onCompareTo(revision: number | undefined): void;
}

const clamp = (value: number, latest: number) => Math.min(latest, Math.max(0, value));

export function RevisionPicker({ revision, latest, compareTo, onRevision, onTime, onCompareTo }: Props) {
  const [time, setTime] = useState('');
  const pickTime = (value: string) => {
    setTime(value);
    const at = new Date(value); // datetime-local: the browser's time zone
    if (value !== '' && !Number.isNaN(at.getTime())) onTime(at.toISOString());
  };
  return (
    <div class="toolbar">
      <button
        type="button"
        aria-label="Previous revision"
        disabled={revision <= 0}
        onClick={() => onRevision(revision - 1)}
      >
        ‹
      </button>
      <label for="revision">Revision</label>
      <input
        id="revision"
        type="range"
        min={0}
        max={latest}
        value={revision}
        onInput={(event) => onRevision(clamp(Number(event.currentTarget.value), latest))}
      />
      <output for="revision" class="mono">
        {revision} / {latest}
      </output>
      <button
        type="button"
        aria-label="Next revision"
        disabled={revision >= latest}
        onClick={() => onRevision(revision + 1)}
      >
        ›
      </button>
      <label for="as-at">As it was at</label>
      <input
        id="as-at"
        type="datetime-local"
        step={1}
        value={time}
        onChange={(event) => pickTime(event.currentTarget.value)}
      />
      <label for="compare-revision">Compare with revision</label>
      <input
        id="compare-revision"
        type="number"
        min={0}
        max={latest}
        placeholder="previous"
        value={compareTo ?? ''}
        onInput={(event) => {
          const value = event.currentTarget.value;
          onCompareTo(value === '' ? undefined : clamp(Number(value), latest));
        }}
      />
    </div>
  );
}
