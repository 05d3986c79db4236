// Runs once before all test files: builds dist/ from the sources under test, so the tests that start the server as
// a user does (npm start, the paperfeed bin) run this code, and web/dist (the dashboard, paper page and widget), so
// no test rebuilds either while another one serves it (a rebuild swaps web/dist: a font asked for then is a 404).
import { buildServer } from '../scripts/build-server.js';
import { buildWeb } from '../scripts/build-web.js';

export default async function setup(): Promise<void> {
  await buildServer();
  await buildWeb();
}
