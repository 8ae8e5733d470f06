import { defineSuite } from '../lib/suite.js';

defineSuite('agent-3.4.3', 1);
