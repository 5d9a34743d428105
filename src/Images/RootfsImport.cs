using Docker.DotNet;
using Docker.DotNet.Models;
using Gadugi.BuildExec.Core.Diagnostics;

namespace Gadugi.BuildExec.Images;

/// <summary>A root file system tarball imported into the engine as an image, with the recipe's configuration (user, env, labels).</summary>
internal static class RootfsImport
{
    internal static async Task ImportAsync(IDockerClient client, ImageRecipe recipe, string tarball, string reference, IReadOnlyList<string> changes, CancellationToken cancellationToken)
    {
        var separator = reference.LastIndexOf(':');
        var errors = new List<string>();
        var messages = new SynchronousProgress<JSONMessage>(message =>
        {
            if (message.Error?.Message is { Length: > 0 } error)
            {
                errors.Add(error);
            }
        });
        try
        {
            var tar = File.OpenRead(tarball);
            await using (tar.ConfigureAwait(false))
            {
                await client.Images.CreateImageAsync(
                    new ImagesCreateParameters
                    {
                        FromSrc = "-",
                        Message = $"{ImageLabels.ImportCommentPrefix}: {recipe.Name} {recipe.RecipeHash}",
                        Repo = reference[..separator],
                        Tag = reference[(separator + 1)..],
                        Changes = [.. changes],
                    },
                    tar,
                    null,
                    messages,
                    cancellationToken).ConfigureAwait(false);
            }
        }
        catch (DockerApiException ex)
        {
            throw new GadugiException(Diagnostic.Create(ImageMessages.ResourceManager, nameof(ImageMessages.ImageImportFailed), recipe.Reference, ex.ResponseBody ?? ex.Message), ex);
        }

        if (errors.Count > 0 || !await ExistsAsync(client, reference, cancellationToken).ConfigureAwait(false))
        {
            throw new GadugiException(Diagnostic.Create(
                ImageMessages.ResourceManager, nameof(ImageMessages.ImageImportFailed), recipe.Reference, errors.Count > 0 ? string.Join("; ", errors) : "no image appeared after the import"));
        }
    }


    internal static async Task<bool> ExistsAsync(IDockerClient client, string reference, CancellationToken cancellationToken)
    {
        try
        {
            await client.Images.InspectImageAsync(reference, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (DockerImageNotFoundException)
        {
            return false;
        }
    }
}
