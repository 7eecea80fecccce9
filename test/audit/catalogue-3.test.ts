// One shard of the audit catalogue (test/audit/catalogue/shard.ts): the workers share the catalogue.
import { catalogueShard } from './catalogue/shard.js';

catalogueShard(3);
