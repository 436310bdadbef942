#!/usr/bin/env node
// The `aws-billing-to-datadog` command: runs cli/main.ts through tsx, without compiling it first.
// tsx is scoped to this require: nothing else in the process is transformed.
'use strict';
require('tsx/cjs/api').require('./main.ts', __filename);
