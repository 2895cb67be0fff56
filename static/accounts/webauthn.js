// Passkeys on the sign-in and profile pages: the WebAuthn ceremonies, nothing else.
//
// The server speaks the WebAuthn JSON serialization (binary members as base64url); the
// browser's API wants ArrayBuffers. Requests go to this site's own JSON views with the page's
// CSRF token (the CSRF cookie is HttpOnly, so the token comes from the page's form).
(function () {
  "use strict";

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var text = "";
    for (var i = 0; i < bytes.length; i += 1) {
      text += String.fromCharCode(bytes[i]);
    }
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function fromBase64url(value) {
    var base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    base64 += "===".slice((base64.length + 3) % 4);
    var text = atob(base64);
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i += 1) {
      bytes[i] = text.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function withBinaryIds(list) {
    return (list || []).map(function (item) {
      return Object.assign({}, item, { id: fromBase64url(item.id) });
    });
  }

  function creationOptions(json) {
    var options = Object.assign({}, json, {
      challenge: fromBase64url(json.challenge),
      user: Object.assign({}, json.user, { id: fromBase64url(json.user.id) }),
    });
    options.excludeCredentials = withBinaryIds(json.excludeCredentials);
    return options;
  }

  function requestOptions(json) {
    var options = Object.assign({}, json, { challenge: fromBase64url(json.challenge) });
    options.allowCredentials = withBinaryIds(json.allowCredentials);
    return options;
  }

  function credentialJson(credential) {
    var response = credential.response;
    var body = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toBase64url(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      body.response.attestationObject = toBase64url(response.attestationObject);
      body.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      body.response.authenticatorData = toBase64url(response.authenticatorData);
      body.response.signature = toBase64url(response.signature);
      body.response.userHandle = response.userHandle ? toBase64url(response.userHandle) : null;
    }
    return body;
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // POST JSON; resolves with the answer's JSON, rejects with an Error carrying the server's
  // sentence when the answer is not a success.
  function postJson(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(),
      },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () {
        return {};
      }).then(function (data) {
        if (!response.ok) {
          var error = new Error(data.message || "The server refused the request.");
          error.key = data.error || null;
          throw error;
        }
        return data;
      });
    });
  }

  function say(status, text, isProblem) {
    if (!status) {
      return;
    }
    status.textContent = text;
    status.classList.toggle("problem", Boolean(isProblem));
  }

  function browserProblem(error) {
    if (error && error.name === "NotAllowedError") {
      return "The passkey request was cancelled or timed out.";
    }
    if (error && error.name === "InvalidStateError") {
      return "This passkey is already registered.";
    }
    return (error && error.message) || "Something went wrong.";
  }

  function setUpSignIn(box) {
    var button = box.querySelector("button");
    var status = box.querySelector("[data-passkey-status]");
    box.hidden = false;
    button.addEventListener("click", function () {
      var email = (document.getElementById("id_username") || {}).value || "";
      var next = (document.getElementById("id_next") || {}).value || "";
      if (!email.trim()) {
        say(status, "Enter your email address first.", true);
        return;
      }
      button.disabled = true;
      say(status, "Waiting for your passkey…", false);
      postJson(box.dataset.optionsUrl, { email: email.trim() })
        .then(function (options) {
          return navigator.credentials.get({ publicKey: requestOptions(options) });
        })
        .then(function (credential) {
          return postJson(box.dataset.verifyUrl, {
            credential: credentialJson(credential),
            next: next,
          });
        })
        .then(function (answer) {
          say(status, "Signed in.", false);
          window.location.assign(answer.redirect || "/");
        })
        .catch(function (error) {
          say(status, browserProblem(error), true);
          button.disabled = false;
        });
    });
  }

  function setUpRegistration(form) {
    var button = form.querySelector("button[type=submit]");
    var status = form.querySelector("[data-passkey-status]");
    var nameInput = form.querySelector("input[name=name]");
    form.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var name = nameInput.value.trim();
      if (!name) {
        say(status, "Give the passkey a name first.", true);
        nameInput.focus();
        return;
      }
      button.disabled = true;
      say(status, "Follow your browser's instructions…", false);
      postJson(form.dataset.optionsUrl, {})
        .then(function (options) {
          return navigator.credentials.create({ publicKey: creationOptions(options) }).catch(
            function (error) {
              // Tell the server, so that the pending registration is dropped at once.
              return postJson(form.dataset.registerUrl, { credential: {}, name: name }).then(
                function () { throw error; },
                function () { throw error; }
              );
            }
          );
        })
        .then(function (credential) {
          return postJson(form.dataset.registerUrl, {
            credential: credentialJson(credential),
            name: name,
          });
        })
        .then(function (answer) {
          window.location.assign(answer.redirect || window.location.pathname);
        })
        .catch(function (error) {
          say(status, browserProblem(error), true);
          button.disabled = false;
        });
    });
  }

  if (!window.PublicKeyCredential || !navigator.credentials) {
    return; // the passkey controls stay hidden
  }
  document.querySelectorAll("[data-passkey-login]").forEach(setUpSignIn);
  document.querySelectorAll("[data-passkey-register]").forEach(setUpRegistration);
})();
