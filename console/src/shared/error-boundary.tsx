import { Component, type ComponentChildren } from 'preact';

interface Props {
  /** Names the part that failed. */
  name: string;
  children: ComponentChildren;
}

/** A rendering error stays inside one view: the header and the other views keep working. */
export class ErrorBoundary extends Component<Props, { error: unknown }> {
  override state = { error: undefined as unknown };

  static override getDerivedStateFromError(error: unknown) {
    return { error };
  }

  override render() {
    const { error } = this.state;
    if (error === undefined) return this.props.children;
    return (
      <div class="banner banner-problem" role="alert">
        The {this.props.name} view failed: {error instanceof Error ? error.message : String(error)}{' '}
        <button type="button" onClick={() => this.setState({ error: undefined })}>
          Try again
        </button>
      </div>
    );
  }
}
