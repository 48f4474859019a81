// Runs the CSAF 2.0 strict schema test and every mandatory test of
// @secvisogram/csaf-validator-lib on each file named on the command line and
// prints one JSON array: [{file, valid, failures: [{test, instancePath,
// message}]}]. Nothing here touches the network: the schema and mandatory
// tests are offline.
import { readFile } from 'node:fs/promises'
import validateStrict from '@secvisogram/csaf-validator-lib/validateStrict.js'
import * as mandatory from '@secvisogram/csaf-validator-lib/mandatoryTests.js'
import { csaf_2_0_strict } from '@secvisogram/csaf-validator-lib/schemaTests.js'

const tests = [csaf_2_0_strict, ...Object.values(mandatory)]
const report = []
for (const file of process.argv.slice(2)) {
  const doc = JSON.parse(await readFile(file, 'utf8'))
  const result = await validateStrict(tests, doc)
  const failures = []
  for (const test of result.tests) {
    for (const error of test.errors) {
      failures.push({
        test: test.name,
        instancePath: error.instancePath,
        message: error.message,
      })
    }
  }
  report.push({ file, valid: result.isValid, tests: result.tests.length, failures })
}
process.stdout.write(JSON.stringify(report, null, 2) + '\n')
