// After `npm install`: one line saying which Node the scripts run on, since .npmrc hides
// the EBADENGINE warnings an older machine Node would otherwise print.
const machine = /node\/(v[\d.]+)/.exec(process.env.npm_config_user_agent ?? "")?.[1];
const note =
  machine && machine !== process.version ? ` (this shell's node is ${machine}; the scripts don't use it)` : "";
console.log(
  `trawl: npm scripts run on Node ${process.version} from the "node" devDependency${note}. Next: npm start, npm test.`,
);
