/* The organizer's network map (Cytoscape.js, vendored).
 *
 * Reads its settings from the json_script element #map-config, fetches the map JSON (already
 * filtered on the server by the same selectors as the table), draws it, and loads a person's
 * side panel (server-rendered HTML) on click. Positions come from the last metrics snapshot
 * (a community layout precomputed by the Celery job); small views, and views without
 * positions, get a force layout (fcose) in the browser, never animated for big graphs.
 */
(function () {
  "use strict";

  var PALETTE = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39",
    "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363"
  ];
  var BIG = 1500; // above this many people: no force layout by default, lighter rendering
  // Big maps draw the people first, then add ties in chunks between frames, so the map is
  // on screen and usable in about a second (measured: 35,000 ties added at once block the
  // page for several seconds).
  var EDGE_CHUNK = 8000;
  var LABEL_ZOOM = 0.9;
  var SMALL = 300; // up to this many people: always a fresh force layout

  var configEl = document.getElementById("map-config");
  var container = document.getElementById("network-map");
  if (!configEl || !container || typeof window.cytoscape !== "function") {
    return;
  }
  var config = JSON.parse(configEl.textContent);
  var statusEl = document.getElementById("map-status");
  var panel = document.getElementById("map-panel");
  var legend = document.getElementById("map-legend");
  var sizeSelect = document.getElementById("id_size");
  var colourSelect = document.getElementById("id_colour");
  var cy = null;
  var people = [];

  if (window.cytoscapeFcose) {
    window.cytoscape.use(window.cytoscapeFcose);
  }

  function setStatus(text) {
    if (statusEl) {
      statusEl.textContent = text;
    }
  }

  function metricOf(person, name) {
    if (name === "degree") {
      return person.ties;
    }
    var value = person[name];
    return typeof value === "number" ? value : 0;
  }

  function colourKey(person, name) {
    if (name === "cause") {
      return person.cause || "(none)";
    }
    if (name === "sector") {
      return person.sector || "(none)";
    }
    return person.community === null || person.community === undefined
      ? "(new)"
      : "Community " + person.community;
  }

  function applyEncoding() {
    if (!cy) {
      return;
    }
    var sizeBy = (sizeSelect && sizeSelect.value) || config.size || "degree";
    var colourBy = (colourSelect && colourSelect.value) || config.colour || "community";
    var max = 0;
    people.forEach(function (p) {
      max = Math.max(max, metricOf(p, sizeBy));
    });
    var counts = {};
    people.forEach(function (p) {
      var key = colourKey(p, colourBy);
      counts[key] = (counts[key] || 0) + 1;
    });
    var keys = Object.keys(counts).sort(function (a, b) {
      return counts[b] - counts[a] || (a < b ? -1 : 1);
    });
    var colours = {};
    keys.forEach(function (key, i) {
      colours[key] = i < PALETTE.length ? PALETTE[i] : "#aaaaaa";
    });
    cy.batch(function () {
      cy.nodes().forEach(function (node) {
        var p = people[node.data("index")];
        var value = max > 0 ? metricOf(p, sizeBy) / max : 0;
        node.data("sz", Math.sqrt(value));
        node.data("col", colours[colourKey(p, colourBy)]);
      });
    });
    if (legend) {
      legend.textContent = "";
      keys.slice(0, PALETTE.length).forEach(function (key) {
        var span = document.createElement("span");
        span.style.setProperty("--swatch", colours[key]);
        span.textContent = key + " (" + counts[key] + ")";
        legend.appendChild(span);
      });
    }
  }

  function edgesOf(data) {
    return data.ties.map(function (t, i) {
      return {
        group: "edges",
        data: { id: "t" + i, source: data.people[t[0]].id, target: data.people[t[1]].id, strength: t[2] }
      };
    });
  }

  function elementsOf(data, withEdges) {
    var elements = [];
    var missing = 0;
    data.people.forEach(function (p, i) {
      var node = { group: "nodes", data: { id: p.id, index: i, label: p.name, sz: 0, col: "#888" } };
      if (typeof p.x === "number" && typeof p.y === "number") {
        node.position = { x: p.x, y: p.y };
      } else {
        missing += 1;
      }
      elements.push(node);
    });
    if (withEdges) {
      elements = elements.concat(edgesOf(data));
    }
    return { elements: elements, missing: missing };
  }

  function placeMissing() {
    // People new since the last snapshot: next to a placed neighbour, else on a ring outside.
    var box = cy.nodes().filter(function (n) { return n.data("placed"); }).boundingBox();
    var ring = 0;
    cy.nodes().forEach(function (node) {
      if (node.data("placed")) {
        return;
      }
      var anchor = node.neighborhood("node").filter(function (n) { return n.data("placed"); })[0];
      if (anchor) {
        var a = anchor.position();
        node.position({ x: a.x + (Math.random() - 0.5) * 40, y: a.y + (Math.random() - 0.5) * 40 });
      } else {
        var angle = ring * 0.3;
        var radius = Math.max(box.w, box.h) / 2 + 60 + ring * 2;
        node.position({ x: box.x1 + box.w / 2 + radius * Math.cos(angle), y: box.y1 + box.h / 2 + radius * Math.sin(angle) });
        ring += 1;
      }
    });
  }

  function forceLayout(big) {
    var name = window.cytoscapeFcose ? "fcose" : "cose";
    return cy.layout({
      name: name,
      animate: false,
      randomize: true,
      quality: big ? "draft" : "default",
      nodeRepulsion: 6000,
      idealEdgeLength: 60,
      numIter: big ? 1000 : 2500,
      fit: true,
      padding: 20
    });
  }

  function markReady(count, ties, started) {
    window.smallbatchMap = cy; // for the browser test and the benchmark
    container.setAttribute("data-ready", "true");
    container.setAttribute("data-people", String(count));
    window.smallbatchMapReadyMs = performance.now();
    var seconds = ((performance.now() - started) / 1000).toFixed(1);
    var pending = cy.edges().length < ties;
    setStatus(count + " people shown in " + seconds + " s" +
      (pending ? "; adding their " + ties + " ties…" : " with " + ties + " ties.") +
      (count > BIG ? " Labels appear when you zoom in." : ""));
    if (!pending) {
      tiesDone(ties, started);
    }
  }

  function tiesDone(ties, started) {
    container.setAttribute("data-ties", "done");
    window.smallbatchMapTiesMs = performance.now();
    var seconds = ((performance.now() - started) / 1000).toFixed(1);
    setStatus(people.length + " people and " + ties + " ties shown (all drawn in " + seconds + " s)." +
      (people.length > BIG ? " Labels appear when you zoom in." : ""));
  }

  function addEdgesInChunks(edges, started) {
    var next = 0;
    function step() {
      var chunk = edges.slice(next, next + EDGE_CHUNK);
      next += chunk.length;
      cy.add(chunk);
      if (next < edges.length) {
        window.requestAnimationFrame(function () { setTimeout(step, 0); });
      } else {
        tiesDone(edges.length, started);
      }
    }
    window.requestAnimationFrame(function () { setTimeout(step, 0); });
  }

  function draw(data, started) {
    people = data.people;
    var built = elementsOf(data, false);
    var n = data.people.length;
    var big = n > BIG;
    var fresh = n <= SMALL || (built.missing > 0 && (n <= BIG || built.missing === n));
    // Ties come later only when the drawing does not need them (preset positions).
    var later = big && !fresh;
    built = elementsOf(data, !later);
    performance.mark("map-elements-built");
    cy = window.cytoscape({
      container: container,
      elements: built.elements,
      layout: { name: "preset", fit: true, padding: 20 },
      minZoom: 0.02,
      maxZoom: 4,
      pixelRatio: big ? 1 : "auto",
      hideEdgesOnViewport: big,
      textureOnViewport: big,
      motionBlur: false,
      boxSelectionEnabled: false,
      style: [
        {
          selector: "node",
          style: {
            "background-color": "data(col)",
            width: "mapData(sz, 0, 1, 6, 42)",
            height: "mapData(sz, 0, 1, 6, 42)",
            // Big maps: no labels until zoomed in (measuring 5,000 labels costs a second).
            label: big ? "" : "data(label)",
            "font-size": 10,
            "min-zoomed-font-size": big ? 14 : 7,
            "text-valign": "bottom",
            "text-margin-y": 2,
            color: "#333",
            "text-outline-color": "#fff",
            "text-outline-width": 1
          }
        },
        {
          selector: "edge",
          style: {
            width: "mapData(strength, 1, 5, 0.4, 3.5)",
            "line-color": "#9aa5b1",
            opacity: "mapData(strength, 1, 5, 0.25, 0.8)",
            "curve-style": big ? "haystack" : "straight"
          }
        },
        { selector: "node:selected", style: { "border-width": 3, "border-color": "#111" } },
        { selector: ".focus", style: { "border-width": 4, "border-color": "#d62728" } }
      ]
    });
    performance.mark("map-cytoscape-created");
    cy.nodes().forEach(function (node) {
      node.data("placed", typeof people[node.data("index")].x === "number");
    });
    applyEncoding();
    if (big) {
      var labelled = false;
      cy.on("zoom", function () {
        var want = cy.zoom() >= LABEL_ZOOM;
        if (want !== labelled) {
          labelled = want;
          cy.style().selector("node").style("label", want ? "data(label)" : "").update();
        }
      });
    }
    cy.on("tap", "node", function (event) {
      openPanel(event.target.id());
    });
    if (data.focus) {
      var focus = cy.getElementById(data.focus.id);
      focus.addClass("focus");
    }
    performance.mark("map-encoded");
    var onDone = function () {
      cy.fit(undefined, 20);
      markReady(n, data.ties.length, started);
      if (later) {
        addEdgesInChunks(edgesOf(data), started);
      }
      if (data.focus) {
        openPanel(data.focus.id);
      }
    };
    if (fresh && n > 0) {
      var layout = forceLayout(big);
      layout.one("layoutstop", onDone);
      layout.run();
    } else {
      if (built.missing > 0) {
        placeMissing();
      }
      onDone();
    }
    fillSearch();
  }

  function fillSearch() {
    var list = document.getElementById("map-people");
    if (!list) {
      return;
    }
    var fragment = document.createDocumentFragment();
    people.slice(0, 5000).forEach(function (p) {
      var option = document.createElement("option");
      option.value = p.name;
      fragment.appendChild(option);
    });
    list.textContent = "";
    list.appendChild(fragment);
  }

  function openPanel(id) {
    if (!panel) {
      return;
    }
    var url = config.panelUrl.replace("00000000-0000-0000-0000-000000000000", id) + "?partial=1";
    panel.setAttribute("aria-busy", "true");
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        panel.innerHTML = html;
        panel.removeAttribute("aria-busy");
        var heading = panel.querySelector(".panel-name");
        if (heading) {
          heading.setAttribute("tabindex", "-1");
          heading.focus({ preventScroll: true });
        }
      })
      .catch(function () {
        panel.removeAttribute("aria-busy");
        panel.textContent = "Could not load this person.";
      });
    if (cy) {
      cy.nodes().unselect();
      cy.getElementById(id).select();
    }
  }

  function focusSearch(event) {
    event.preventDefault();
    var input = document.getElementById("map-search-input");
    var steps = document.getElementById("map-steps");
    var wanted = (input.value || "").trim().toLowerCase();
    if (!wanted) {
      return;
    }
    var match = people.filter(function (p) { return p.name.toLowerCase() === wanted; })[0] ||
      people.filter(function (p) { return p.name.toLowerCase().indexOf(wanted) !== -1; })[0];
    if (!match) {
      setStatus("Nobody called \u201c" + input.value + "\u201d on this map.");
      return;
    }
    var params = new URLSearchParams(window.location.search);
    params.set("focus", match.id);
    params.set("steps", steps ? steps.value : "1");
    window.location.search = params.toString();
  }

  function downloadPng() {
    if (!cy) {
      return;
    }
    var blob = cy.png({ output: "blob", bg: "#ffffff", full: true, scale: people.length > BIG ? 1 : 2, maxWidth: 8000, maxHeight: 8000 });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "smallbatch-network.png";
    document.body.appendChild(link);
    link.click();
    setTimeout(function () {
      URL.revokeObjectURL(link.href);
      link.remove();
    }, 1000);
  }

  function wire() {
    var search = document.getElementById("map-search");
    if (search) {
      search.addEventListener("submit", focusSearch);
    }
    var fit = document.getElementById("map-fit");
    if (fit) {
      fit.addEventListener("click", function () { if (cy) { cy.fit(undefined, 20); } });
    }
    var relayout = document.getElementById("map-relayout");
    if (relayout) {
      relayout.addEventListener("click", function () {
        if (!cy) {
          return;
        }
        setStatus("Arranging…");
        var layout = forceLayout(people.length > BIG);
        layout.one("layoutstop", function () { setStatus("Arranged with a force layout."); });
        setTimeout(function () { layout.run(); }, 20);
      });
    }
    var png = document.getElementById("map-png");
    if (png) {
      png.addEventListener("click", downloadPng);
    }
    [sizeSelect, colourSelect].forEach(function (select) {
      if (select) {
        select.addEventListener("change", applyEncoding);
      }
    });
  }

  function load() {
    var started = performance.now();
    wire();
    fetch(config.dataUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        performance.mark("map-data-parsed");
        if (!data.people.length) {
          container.setAttribute("data-ready", "true");
          container.setAttribute("data-people", "0");
          setStatus("Nobody matches these filters.");
          return;
        }
        if (data.truncated) {
          setStatus("Showing the best connected people; " + data.truncated + " more are in the table view.");
        }
        draw(data, started);
      })
      .catch(function () {
        setStatus("The map could not be loaded. Check the filters, or use the table view.");
      });
  }

  load();
})();
