import { defineSuite } from '../lib/suite.js';

defineSuite('icp-sdk-6.1.0', 2);
