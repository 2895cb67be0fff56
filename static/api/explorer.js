// Starts GraphiQL against this server's endpoint. Headers typed in the explorer's "Headers"
// tab (e.g. {"Authorization": "Bearer <key>"}) are sent with every request.
(function () {
  "use strict";
  var endpoint = document.getElementById("explorer-script").dataset.endpoint;

  function fetcher(params, options) {
    var headers = Object.assign(
      { "Content-Type": "application/json", Accept: "application/json" },
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

  var defaultQuery = "{\n  pages(orderBy: TITLE) {\n    id\n    path\n    title\n  }\n}\n";
  var root = ReactDOM.createRoot(document.getElementById("explorer"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
    })
  );
})();
