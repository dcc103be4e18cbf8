-- Neovim's own LSP client drives `ivr lsp`: open a broken flow, wait for the
-- diagnostics, ask for a completion, write what came back as JSON.
-- Written for Neovim 0.7 (Debian's) and later.
local bin, flow, out = os.getenv('IVR_BIN'), os.getenv('IVR_FLOW'), os.getenv('IVR_OUT')
local line, character = tonumber(os.getenv('IVR_LINE')), tonumber(os.getenv('IVR_CHAR'))
local result = { diagnostics = {}, completion = {} }

local function finish()
  local file = assert(io.open(out, 'w'))
  file:write(vim.fn.json_encode(result))
  file:close()
  vim.cmd('qall!')
end

local ok, err = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(flow))
  local buf = vim.api.nvim_get_current_buf()
  local client = vim.lsp.start_client({
    name = 'ivr',
    cmd = { bin, 'lsp' },
    root_dir = vim.fn.fnamemodify(flow, ':h'),
  })
  vim.lsp.buf_attach_client(buf, client)
  result.published = vim.wait(30000, function() return #vim.diagnostic.get(buf) > 0 end, 20)
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local lsp = d.user_data and d.user_data.lsp or {}
    table.insert(result.diagnostics, {
      code = d.code or lsp.code, line = d.lnum, col = d.col, severity = d.severity, message = d.message,
    })
  end
  local params = { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = line, character = character } }
  local answers = vim.lsp.buf_request_sync(buf, 'textDocument/completion', params, 30000) or {}
  for _, answer in pairs(answers) do
    local items = answer.result and (answer.result.items or answer.result) or {}
    for _, item in ipairs(items) do table.insert(result.completion, item.label) end
  end
end)
if not ok then result.error = tostring(err) end
finish()
