"""Documents of the ``authentication`` tests as the public clients send them (API-v2.md §6).

The terraform provider's texts are those of its ``genqlient.graphql`` (named operations with
variables); the pyclient generates ``mutation ($a: T!, ...) { authentication { op (a: $a, ...)
{fields, ...} } }`` with every field of the return type, comma-separated.
"""

from __future__ import annotations

from tests.conftest import GraphQLResponse

STATUS = "responseResult { succeeded, errorCode, slug, message }"
LOGIN_FIELDS = (
    f"{STATUS}, jwt, mustChangePwd, mustProvideTFA, mustSetupTFA, continuationToken, "
    "redirect, tfaQRImage"
)


def pyclient(action: str, method: str, variables: dict[str, str], response: str = "") -> str:
    """The text wikijs-pyclient's ``GqlBase.execute`` builds for one call."""
    reference = ", ".join(f"${name}: {kind}" for name, kind in variables.items())
    params = ", ".join(f"{name}: ${name}" for name in variables)
    return f"""
            {action} {f"({reference})" if reference else ""} {{
                authentication {{
                    {method} {f"({params})" if params else ""}
                        {f"{{{response}}}" if response else ""}
                }}
            }}
        """


# --- terraform-provider-wikijs (wikijs/genqlient.graphql) ------------------------------------
TF_LOGIN = """mutation Login($username: String!, $password: String!, $strategy: String!) {
  authentication {
    login(username: $username, password: $password, strategy: $strategy) {
      responseResult {
        succeeded
        errorCode
        slug
        message
      }
      jwt
      mustChangePwd
      mustProvideTFA
      mustSetupTFA
      continuationToken
      redirect
      tfaQRImage
    }
  }
}
"""
TF_GET_API_STATE = """query GetApiState {
  authentication {
    apiState
  }
}
"""
TF_SET_API_STATE = """mutation SetApiState($enabled: Boolean!) {
  authentication {
    setApiState(enabled: $enabled) {
      responseResult {
        succeeded
        errorCode
        slug
        message
      }
    }
  }
}
"""
TF_GET_API_KEYS = """query GetApiKeys {
  authentication {
    apiKeys {
      id
      name
      keyShort
      expiration
      createdAt
      updatedAt
      isRevoked
    }
  }
}
"""
TF_CREATE_API_KEY = """mutation CreateApiKey($name: String!, $expiration: String!, $fullAccess: Boolean!, $group: Int) {
  authentication {
    createApiKey(name: $name, expiration: $expiration, fullAccess: $fullAccess, group: $group) {
      responseResult {
        succeeded
        errorCode
        slug
        message
      }
      key
    }
  }
}
"""  # noqa: E501 - the provider's own line
TF_REVOKE_API_KEY = """mutation RevokeApiKey($id: Int!) {
  authentication {
    revokeApiKey(id: $id) {
      responseResult {
        succeeded
        errorCode
        slug
        message
      }
    }
  }
}
"""
TF_GET_AUTH_STRATEGIES = """query GetAuthStrategies($enabledOnly: Boolean) {
  authentication {
    activeStrategies(enabledOnly: $enabledOnly) {
        key
        strategy {
          key
          title
          description
          isAvailable
          useForm
          usernameType
          logo
          color
          website
          icon
        }
        displayName
        order
        isEnabled
        config {
          key
          value
        }
        selfRegistration
        domainWhitelist
        autoEnrollGroups
    }
  }
}
"""

# --- wikijs-pyclient --------------------------------------------------------------------------
PY_API_KEYS = pyclient(
    "query", "apiKeys", {}, "id, name, keyShort, expiration, createdAt, updatedAt, isRevoked"
)
PY_API_STATE = pyclient("query", "apiState", {})
PY_STRATEGIES = pyclient(
    "query",
    "strategies",
    {},
    "key, props { key, value }, title, description, isAvailable, useForm, usernameType, logo, "
    "color, website, icon",
)
PY_ACTIVE_STRATEGIES = pyclient(
    "query",
    "activeStrategies",
    {"enabledOnly": "Boolean"},
    "key, strategy { key, props { key, value }, title, description, isAvailable, useForm, "
    "usernameType, logo, color, website, icon }, displayName, order, isEnabled, "
    "config { key, value }, selfRegistration, domainWhitelist, autoEnrollGroups",
)
PY_CREATE_API_KEY = pyclient(
    "mutation",
    "createApiKey",
    {"name": "String!", "expiration": "String!", "fullAccess": "Boolean!", "group": "Int"},
    f"{STATUS}, key",
)
PY_REVOKE_API_KEY = pyclient("mutation", "revokeApiKey", {"id": "Int!"}, STATUS)
PY_SET_API_STATE = pyclient("mutation", "setApiState", {"enabled": "Boolean!"}, STATUS)
PY_LOGIN = pyclient(
    "mutation",
    "login",
    {"username": "String!", "password": "String!", "strategy": "String!"},
    LOGIN_FIELDS,
)
# The pyclient names this operation ``logintFA`` (a typo, §3.5); this is what it would send
# with the name spelt right, and ``PY_LOGIN_TFA_AS_SENT`` what it sends.
PY_LOGIN_TFA = pyclient(
    "mutation",
    "loginTFA",
    {"continuationToken": "String!", "securityCode": "String!", "setup": "Boolean"},
    LOGIN_FIELDS,
)
PY_LOGIN_TFA_AS_SENT = PY_LOGIN_TFA.replace("loginTFA", "logintFA")
PY_LOGIN_CHANGE_PASSWORD = pyclient(
    "mutation",
    "loginChangePassword",
    {"continuationToken": "String!", "newPassword": "String!"},
    LOGIN_FIELDS,
)
PY_FORGOT_PASSWORD = pyclient("mutation", "forgotPassword", {"email": "String!"}, STATUS)
PY_REGISTER = pyclient(
    "mutation",
    "register",
    {"email": "String!", "password": "String!", "name": "String!"},
    f"{STATUS}, jwt",
)


def ok(message: str) -> dict:
    return {"succeeded": True, "errorCode": 0, "slug": "ok", "message": message}


def refused(code: int, slug: str, message: str) -> dict:
    return {"succeeded": False, "errorCode": code, "slug": slug, "message": message}


def plain(message: str) -> dict:
    """A plain error inside ``responseResult`` (§2.7)."""
    return refused(1, "Error", message)


def result_of(response: GraphQLResponse, field: str) -> dict:
    """``authentication.<field>`` of an answer that carries no GraphQL error."""
    assert response.status == 200, response.body
    assert response.errors == [], response.body
    return response.data["authentication"][field]


def assert_forbidden(response: GraphQLResponse, field: str, data=None) -> None:
    """The gate's G error ``Forbidden`` at ``authentication.<field>`` (§2.5)."""
    assert response.status == 200, response.body
    expected = {"authentication": {field: None}} if data is None else data
    assert response.data == expected, response.body
    assert [(e["message"], e["path"], e["extensions"]) for e in response.errors] == [
        ("Forbidden", ["authentication", field], {"code": "INTERNAL_SERVER_ERROR"})
    ], response.body
