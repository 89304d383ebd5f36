/** The service cannot do this now (it is stopping, or too busy); the same call may succeed in a moment. */
export class RetryLater extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RetryLater';
  }
}
