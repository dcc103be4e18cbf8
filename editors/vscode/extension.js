// The ivr extension's client: starts `ivr lsp` (from PATH, or the
// `ivr.server.path` setting) for .ivr and YAML flow files. Plain JavaScript,
// so the extension needs no build step.
'use strict';

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

function serverOptions() {
  const config = vscode.workspace.getConfiguration('ivr');
  const command = config.get('server.path') || 'ivr';
  const args = ['lsp', ...config.get('server.extraArgs', [])];
  return { command, args };
}

async function start(context) {
  client = new LanguageClient('ivr', 'ivr language server', serverOptions(), {
    documentSelector: [
      { scheme: 'file', language: 'ivr' },
      { scheme: 'untitled', language: 'ivr' },
      // YAML flows: the server reports what it can (diagnostics at least).
      { scheme: 'file', language: 'yaml', pattern: '**/{flows,examples}/*.{yaml,yml}' },
      { scheme: 'file', language: 'yaml', pattern: '**/*.ivr.{yaml,yml}' },
    ],
    synchronize: {
      // A module file changed on disk: its users are checked again.
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{ivr,yaml,yml}'),
    },
  });
  try {
    await client.start();
  } catch (error) {
    const path = serverOptions().command;
    vscode.window.showErrorMessage(
      `ivr: could not start \`${path} lsp\` (${error.message}). ` +
        'Install ivr on PATH or set "ivr.server.path".',
    );
  }
}

async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('ivr.restartServer', async () => {
      if (client) await client.stop();
      await start(context);
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration('ivr.server')) {
        await vscode.commands.executeCommand('ivr.restartServer');
      }
    }),
  );
  await start(context);
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
