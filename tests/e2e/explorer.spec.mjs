// The explorer in a real browser: Debian's chromium driven by playwright-core (no browser download).
//
// Run by tests/test_ui_e2e.py, which serves the app and passes, in the environment:
//   AGENTPATH_URL        the served app, e.g. http://127.0.0.1:8765
//   AGENTPATH_SOURCE     the agent to select (its id)
//   AGENTPATH_STEPS      the expected number of steps of its first path (from `agentpath paths --from`)
//   AGENTPATH_OUTPUT     the folder for screenshots
// Exits 0 when every check holds, 1 with the reason otherwise.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const base = process.env.AGENTPATH_URL;
const source = process.env.AGENTPATH_SOURCE;
const expectedSteps = Number(process.env.AGENTPATH_STEPS);
const output = process.env.AGENTPATH_OUTPUT;
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!base || !source || !Number.isInteger(expectedSteps) || !output) {
  console.error('AGENTPATH_URL, AGENTPATH_SOURCE, AGENTPATH_STEPS and AGENTPATH_OUTPUT are required');
  process.exit(2);
}
mkdirSync(output, { recursive: true });

const TIMEOUT = 60_000;
const browser = await chromium.launch({
  executablePath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1600, height: 1500 } });
page.setDefaultTimeout(TIMEOUT);
const pageErrors = [];
page.on('pageerror', (err) => pageErrors.push(String(err)));

function fail(message) {
  throw new Error(message);
}

async function settle() {
  // Streamlit shows a running indicator while a script runs; wait until the app is idle.
  await page.waitForFunction(() => !document.querySelector('[data-testid="stStatusWidget"]'), null,
                             { timeout: TIMEOUT }).catch(() => {});
  await page.waitForTimeout(500);
}

try {
  // 1. open the path explorer
  await page.goto(`${base}/path_explorer`, { waitUntil: 'domcontentloaded' });
  await page.getByRole('heading', { name: 'Path explorer' }).waitFor();
  const picker = page.getByRole('combobox', { name: 'Source (agent or principal)' });
  await picker.waitFor();
  await settle();

  // 2. select the agent the way a person does: open the list, type to search, pick the option
  await picker.click();
  await picker.fill(source);
  const option = page.getByRole('option', { name: `agent · ${source}`, exact: true });
  await option.waitFor();
  await option.click();
  await page.waitForFunction(
    (label) => document.querySelector('input[aria-label="Source (agent or principal)"]')?.value === label,
    `agent · ${source}`);
  await settle();

  // 3. the step table renders with the expected number of steps
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid="stTable"] tbody tr').length === n, expectedSteps);
  const rows = await page.locator('[data-testid="stTable"] tbody tr').count();
  if (rows !== expectedSteps) fail(`step table has ${rows} rows, expected ${expectedSteps}`);
  const owners = await page.locator('[data-testid="stTable"] tbody tr td:last-child').allInnerTexts();
  if (owners.some((o) => !o.trim())) fail(`an owner cell is empty: ${JSON.stringify(owners)}`);

  // 4. the graph canvas renders inside the pyvis iframe, with the selected path highlighted
  const frameElement = await page.waitForSelector('iframe[title="escalation graph"]');
  const frame = await frameElement.contentFrame();
  if (!frame) fail('the graph iframe has no document');
  await frame.waitForSelector('#mynetwork canvas');
  const box = await (await frame.$('#mynetwork canvas')).boundingBox();
  if (!box || box.width < 200 || box.height < 150) fail(`graph canvas too small: ${JSON.stringify(box)}`);
  const graph = await frame.evaluate(() => ({
    nodes: network.body.data.nodes.length,
    highlighted: network.body.data.edges.get().filter((e) => e.width === 4).length,
  }));
  if (graph.nodes < expectedSteps + 1) fail(`graph has ${graph.nodes} nodes for ${expectedSteps} steps`);
  if (graph.highlighted !== expectedSteps) {
    fail(`graph highlights ${graph.highlighted} edges, expected ${expectedSteps}`);
  }
  await page.waitForTimeout(800); // let vis finish its first frame before the picture
  await page.screenshot({ path: join(output, 'explorer.png'), fullPage: true });

  // 5. a tour of the other pages for the run's record (each must render without an exception)
  for (const [path, heading] of [['', 'Overview'], ['delegation', 'Delegation'],
                                 ['accountability', 'Accountability'], ['load_data', 'Load data']]) {
    await page.goto(`${base}/${path}`, { waitUntil: 'domcontentloaded' });
    await page.getByRole('heading', { name: heading }).waitFor();
    await settle();
    if (await page.locator('[data-testid="stException"]').count()) fail(`${heading}: the page raised`);
    await page.screenshot({ path: join(output, `${path || 'overview'}.png`), fullPage: true });
  }

  // 6. the console refuses a write in the browser too, and says why
  await page.goto(`${base}/console`, { waitUntil: 'domcontentloaded' });
  await page.getByRole('heading', { name: 'Cypher console' }).waitFor();
  await settle();
  await page.getByRole('textbox', { name: 'Cypher' }).fill("CREATE (:Intruder {name: 'x'}) RETURN 1");
  await page.getByRole('button', { name: 'Run query' }).click();
  const refusal = page.locator('[data-testid="stAlert"]').filter({ hasText: 'Refused' });
  await refusal.waitFor();
  if (!(await refusal.innerText()).includes('read-only')) fail('the refusal does not say the console is read-only');
  await page.screenshot({ path: join(output, 'console.png'), fullPage: true });
  if (pageErrors.length) fail(`javascript errors: ${pageErrors.join(' | ')}`);
  console.log(JSON.stringify({ ok: true, steps: rows, graph, screenshots: output }));
} catch (err) {
  await page.screenshot({ path: join(output, 'failure.png'), fullPage: true }).catch(() => {});
  console.error(`e2e failed: ${err.message}`);
  await browser.close();
  process.exit(1);
}
await browser.close();
