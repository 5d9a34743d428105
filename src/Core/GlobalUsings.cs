// The folders of this library, visible to each other; Engine/Docker is imported explicitly where used.
global using Gadugi.BuildExec.Core.Audit;
global using Gadugi.BuildExec.Core.Diagnostics;
global using Gadugi.BuildExec.Core.Engine;
global using Gadugi.BuildExec.Core.Execution;
global using Gadugi.BuildExec.Core.Execution.Admission;
global using Gadugi.BuildExec.Core.Execution.Confinement;
global using Gadugi.BuildExec.Core.Execution.Fallback;
global using Gadugi.BuildExec.Core.Execution.Output;
global using Gadugi.BuildExec.Core.Execution.Sandbox;
global using Gadugi.BuildExec.Core.FileSystem;
global using Gadugi.BuildExec.Core.Host;
global using Gadugi.BuildExec.Core.Logging;
global using Gadugi.BuildExec.Core.Network;
global using Gadugi.BuildExec.Core.Policies;
global using Microsoft.Extensions.Logging;
global using Gadugi.BuildExec.Core.Requests;
