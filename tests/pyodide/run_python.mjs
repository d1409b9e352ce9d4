// Boot Pyodide offline (the npm package in ./node_modules) and run Python code in it.
// Usage: node run_python.mjs FILE.whl CODE.py  -> prints what the code returns (a string).
// The wheel is written into Pyodide's file system at /tmp/<its name>.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { loadPyodide } from "pyodide";

const [wheel, codeFile] = process.argv.slice(2);
const pyodide = await loadPyodide();
pyodide.FS.writeFile(`/tmp/${basename(wheel)}`, readFileSync(wheel));
const result = await pyodide.runPythonAsync(readFileSync(codeFile, "utf8"));
console.log(String(result));
