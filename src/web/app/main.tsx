// Entry point of the browser bundle (scripts/build-web.mjs): mounts the UI into index.html's #app.

import { render } from 'preact';
import { App } from './app.tsx';
import './styles.css';

render(<App />, document.getElementById('app')!);
