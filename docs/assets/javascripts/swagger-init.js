// Renders the API reference page with the Swagger UI files the site serves itself (no CDN).
// The page holds <div id="swagger-ui" data-openapi="..."> naming the exported OpenAPI document.
(function () {
  "use strict";
  var target = document.getElementById("swagger-ui");
  if (!target || typeof SwaggerUIBundle === "undefined") {
    return;
  }
  SwaggerUIBundle({
    url: target.getAttribute("data-openapi"),
    domNode: target,
    deepLinking: true,
    // The site is static: there is no server behind it to send requests to.
    supportedSubmitMethods: [],
    // Do not send the document to swagger.io's online validator.
    validatorUrl: null,
  });
})();
