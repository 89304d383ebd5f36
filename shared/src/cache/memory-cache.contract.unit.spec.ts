import { cacheContract } from './cache.contract.js';
import { memoryCache } from './memory-cache.js';

cacheContract('memoryCache', async () => ({ cache: memoryCache({ maxEntries: 1_000 }) }));
