// Runs once before all test files: builds dist/ from the sources under test, so the tests that start the server as
// a user does (npm start, the paperfeed bin) run this code, and no test rebuilds it while another one runs it.
import { buildServer } from '../scripts/build-server.js';

export default async function setup(): Promise<void> {
  await buildServer();
}
