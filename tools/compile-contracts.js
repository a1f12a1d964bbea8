// Compiles every .sol file of a folder with solc-js (standard JSON) and writes
// one artifact per deployable contract: {contractName, sourceName, compiler,
// settings, abi, bytecode}. Run through tools/compile-contracts.sh.
"use strict";

const fs = require("fs");
const path = require("path");
const solc = require("solc");

const [sourceDir, outDir] = process.argv.slice(2);
if (!sourceDir || !outDir) {
  console.error("usage: node compile-contracts.js <source dir> <output dir>");
  process.exit(2);
}

// paris: no PUSH0/MCOPY, so the deployless EIP-6492 validator runs on every
// EVM chain a node may serve. No metadata hash: comments do not change code.
const settings = {
  optimizer: { enabled: true, runs: 200 },
  // The EIP-6492 reference validator has too many locals for the legacy code generator.
  viaIR: true,
  evmVersion: "paris",
  metadata: { bytecodeHash: "none" },
  outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
};

const sources = {};
for (const file of fs.readdirSync(sourceDir).filter((f) => f.endsWith(".sol")).sort()) {
  sources[file] = { content: fs.readFileSync(path.join(sourceDir, file), "utf8") };
}

const output = JSON.parse(solc.compile(JSON.stringify({ language: "Solidity", sources, settings })));
let failed = false;
for (const diagnostic of output.errors || []) {
  console.error(diagnostic.formattedMessage);
  failed = failed || diagnostic.severity === "error";
}
if (failed) process.exit(1);

fs.mkdirSync(outDir, { recursive: true });
const compiler = `solc-js ${solc.version()}`;
for (const [sourceName, contracts] of Object.entries(output.contracts)) {
  for (const [contractName, contract] of Object.entries(contracts)) {
    const bytecode = contract.evm.bytecode.object;
    if (!bytecode || contract.abi.length === 0) continue; // interfaces, internal libraries
    const artifact = { contractName, sourceName, compiler, settings, abi: contract.abi, bytecode: `0x${bytecode}` };
    const file = path.join(outDir, `${contractName}.json`);
    fs.writeFileSync(file, `${JSON.stringify(artifact, null, 2)}\n`);
    console.log(`${file}: ${bytecode.length / 2} bytes`);
  }
}
