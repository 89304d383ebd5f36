import { eventStoreContract } from '../event-store.contract.js';
import { memoryEventStore } from './memory-event-store.js';

eventStoreContract('memory', async () => ({ store: memoryEventStore() }));
