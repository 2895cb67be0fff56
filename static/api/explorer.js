// Starts GraphiQL against this server's endpoint. Headers typed in the explorer's "Headers"
// tab (e.g. {"Authorization": "Bearer <key>"}) are sent with every request, and kept only
// for the life of the tab: keys typed here are often administrator keys, and the browser's
// storage on the wiki's own origin is no place for them.
// Signed in to the wiki (the jwt cookie), the explorer runs queries as that person: the
// cookie goes along (same origin), with the page's CSRF token that such requests need.
(function () {
  "use strict";
  var script = document.getElementById("explorer-script");
  var endpoint = script.dataset.endpoint;
  var csrfToken = script.dataset.csrfToken;

  // Earlier versions persisted headers; forget whatever they left behind.
  try {
    window.localStorage.removeItem("graphiql:headers");
  } catch (ignored) {
    // Storage may be disabled; nothing was kept then either.
  }

  // GraphiQL keeps tabs and query history in localStorage, and its history records the
  // headers each query ran with. Everything it stores goes through here, headers dropped.
  function withoutHeaders(value) {
    if (Array.isArray(value)) {
      return value.map(withoutHeaders);
    }
    if (value && typeof value === "object") {
      var copy = {};
      Object.keys(value).forEach(function (key) {
        if (key !== "headers") {
          copy[key] = withoutHeaders(value[key]);
        }
      });
      return copy;
    }
    return value;
  }

  var storage = {
    getItem: function (key) {
      return window.localStorage.getItem(key);
    },
    setItem: function (key, value) {
      if (/headers$/.test(key)) {
        return;
      }
      var stored = value;
      try {
        stored = JSON.stringify(withoutHeaders(JSON.parse(value)));
      } catch (notJson) {
        stored = value;
      }
      window.localStorage.setItem(key, stored);
    },
    removeItem: function (key) {
      window.localStorage.removeItem(key);
    },
    clear: function () {
      window.localStorage.clear();
    },
    get length() {
      return window.localStorage.length;
    },
  };

  function fetcher(params, options) {
    var headers = Object.assign(
      {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken,
      },
      (options && options.headers) || {}
    );
    return fetch(endpoint, {
      method: "POST",
      headers: headers,
      body: JSON.stringify(params),
      credentials: "same-origin",
    }).then(function (response) {
      return response.json();
    });
  }

  var defaultQuery = [
    "# The wiki's GraphQL explorer.",
    "#",
    "# Signed in to the wiki in this browser, your",
    "# queries run as you. Without credentials you",
    "# are a guest: you see only what the Guests",
    "# group may see, so most lists answer [] until",
    "# you authenticate.",
    "#",
    "# 1. Get an API key. An administrator creates",
    "#    one in the admin area: /admin/ -> API Access,",
    "#    or on the server:",
    "#    manage.py createapikey --name explorer \\",
    "#      --groups Administrators",
    "# 2. Below, open Headers and enter",
    '#    {"Authorization": "Bearer <your key>"}',
    "#    (kept for this tab only, never saved).",
    "# 3. Run the query: the play button or Ctrl-Enter.",
    "#",
    "# A revoked or expired key is refused (HTTP 401).",
    "# A token that does not verify (mistyped, cut",
    "# short, from another server) makes a guest",
    "# request; its answer then carries the header",
    '# WWW-Authenticate: Bearer error="invalid_token".',
    "",
    "{",
    "  pages(orderBy: TITLE) {",
    "    id",
    "    path",
    "    title",
    "  }",
    "}",
    "",
  ].join("\n");
  var root = ReactDOM.createRoot(document.getElementById("explorer"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      storage: storage,
      defaultEditorToolsVisibility: "headers",
    })
  );
})();
