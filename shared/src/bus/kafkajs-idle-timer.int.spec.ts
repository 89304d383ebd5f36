import { createRequire } from 'node:module';
import { expect, it } from 'vitest';
import { testKafka } from '../testing/kafka.js';
import { describeWithService } from '../testing/services.js';
import { kafkajsIdleTimerFixed } from './kafkajs-idle-timer.js';

// An idle kafkajs client against a real broker: once it has sent its requests, its connections must not keep checking
// an empty request queue every millisecond (kafkajs-idle-timer.ts).

type Checked = { prototype: { checkPendingRequests(): void } };
const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as Checked;

describeWithService('KAFKA_BROKERS', 'kafkajs on an idle connection', (brokers) => {
  it('checks the request queue only when something is pending, not in a loop while idle', async () => {
    expect(kafkajsIdleTimerFixed).toBe(true);
    const admin = testKafka(brokers, { clientId: 'idle-timer-test' }).admin();
    const check = RequestQueue.prototype.checkPendingRequests;
    let checks = 0;
    RequestQueue.prototype.checkPendingRequests = function (this: unknown) {
      checks += 1;
      check.call(this);
    };
    try {
      await admin.connect();
      await admin.listTopics(); // requests answered: the point where kafkajs started its 1 ms loop
      await new Promise((resolve) => setTimeout(resolve, 100));
      const before = checks;
      await new Promise((resolve) => setTimeout(resolve, 500));
      // Unfixed, each connection checks about every 1.3 ms: hundreds in half a second. Fixed, none while idle.
      expect(checks - before).toBeLessThan(5);
    } finally {
      RequestQueue.prototype.checkPendingRequests = check;
      await admin.disconnect();
    }
  });
});
